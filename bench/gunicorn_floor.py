"""gunicorn settings for the floor: none (the project's gunicorn.conf.py would load the wiki in the master)."""
