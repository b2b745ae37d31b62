"""Keep every library kb uses offline and silent.

Imported first by ``kb/__init__.py``, before chromadb, gradio, transformers or onnxruntime can be
imported: these variables only take effect when set before the libraries read them. ``setdefault``
leaves a user's explicit choice alone.
"""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "ORT_DISABLE_TELEMETRY": "1",
}

for _key, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)
