from pipeline.errors import PipelineError


class DecodeError(PipelineError):
    """A record that is neither valid Avro nor valid JSON for its topic; the message says why."""
