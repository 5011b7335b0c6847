"""The names of the matching criteria, standard library only: the config and the CLI's parser read them without
importing the statistics (pandas, scipy)."""

# The rules a round is judged by on its own; first-failure follows one of them (``statistics.Matching``).
BASE_CRITERIA = ("strict", "tolerance", "noise")
CRITERIA = (*BASE_CRITERIA, "first-failure")  # the order every table and figure shows them in
LENIENT = "lenient"  # the stop rule's default: a round fails only when it fails every base criterion reported


def base_of(criteria: list[str] | tuple[str, ...], first_failure_of: str) -> tuple[str, ...]:
    """The base criteria behind ``criteria``: each base one, and the rule first-failure follows."""
    derived = (first_failure_of,) if "first-failure" in criteria else ()
    return tuple(c for c in BASE_CRITERIA if c in criteria or c in derived)
