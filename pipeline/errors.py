"""The base of every error the pipeline raises on purpose."""


class PipelineError(Exception):
    """An error with a message meant for the user (printed by the CLI, put on dead letters)."""
