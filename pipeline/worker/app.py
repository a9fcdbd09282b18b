"""The faust.App and nothing else; agents are found by autodiscovery.

Run with ``pipeline worker`` (which also sets the garbage collector, pipeline.worker.collector)
or ``faust -A pipeline.worker.app worker -l info``.
"""

import faust

from pipeline.worker.consumer import new_transport
from pipeline.worker.settings import app_id, app_settings


class PipelineApp(faust.App):
    def _new_transport(self):  # Faust's consumer, with commits kept right across seeks
        return new_transport(self)


app = PipelineApp(
    app_id(),
    autodiscover=["pipeline.worker.agents"],
    origin="pipeline.worker",
    **app_settings(),
)
