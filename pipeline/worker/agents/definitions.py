"""When the worker starts: keep the catalog's topics tracked by the producer, then follow the
definitions topic (agents wait until it has been read to its end)."""

from pipeline.worker.app import app
from pipeline.worker.channels import track_catalog_topics
from pipeline.worker.definitions import follow_definitions_forever


@app.task
async def definitions_follower() -> None:
    await track_catalog_topics()
    await follow_definitions_forever()
