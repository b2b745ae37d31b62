"""The kb web app (``kb serve``, ``python app.py``): Ask (cited, streamed answers), Search, Browse
and Add documents; a thin shell over ``kb.KnowledgeBase`` that renders what the library returns.

- ``render``: HTML of answers, source cards, result rows (pure functions);
- ``browse``: the Browse page and the filters' choices (pure functions);
- ``handlers``: what each event does, and the API endpoints' argument checks;
- ``layout``: the Blocks, the tabs and which event calls which handler;
- ``uploads``: checking, keeping and ingesting uploaded files;
- ``access``: loopback, login and the upload switch;
- ``exports``: the feedback log and CSV exports;
- ``server``: the FastAPI routes for originals and recordings, the login, ``serve``;
- ``static/``: the page's CSS and JavaScript.

Nothing here is imported by ``import kb``: the core never imports the UI.
"""
