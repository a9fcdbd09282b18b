"""Start following the definitions topic when the worker starts."""

from pipeline.worker.app import app
from pipeline.worker.definitions import follow_definitions_forever


@app.task
async def definitions_follower() -> None:
    await follow_definitions_forever()
