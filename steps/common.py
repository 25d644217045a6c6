from pytest_bdd import given

from live_gate.resources.deployment import Environment


@given("the environment under judgement", target_fixture="judged")
def judged_environment(environment: Environment) -> Environment:
    return environment
