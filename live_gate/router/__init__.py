"""The execution router under test (PRE-7): its protocol, the reference router, and the loading
of the deployment's own router through a ``module:callable`` factory."""
