"""Avro out, Avro or JSON in, with optional Confluent framing; one codec per topic role.

``codec_for(role).decode(data)`` returns the record in its AWS shape (a dict) or raises
``DecodeError`` with the reason; ``encode(value)`` writes Avro binary.
"""

from pipeline.codec.errors import DecodeError
from pipeline.codec.topic_codec import TopicCodec, codec_for

__all__ = ["DecodeError", "TopicCodec", "codec_for"]
