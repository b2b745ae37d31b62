"""The kb web app's entry: ``python app.py`` serves on ``KB_HOST:KB_PORT`` (127.0.0.1:7860).

The app itself is the ``kb.ui`` package (installed with kb; ``kb serve`` starts the same server).
"""

import sys

from kb.ui.server import main

if __name__ == "__main__":
    sys.exit(main())
