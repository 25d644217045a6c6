"""Step definitions: thin glue between the Gherkin features and the ``live_gate`` library."""
