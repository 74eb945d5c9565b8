"""Files and pictures on pages (issue 12).

    sniffing.py  what a file is, from its content; the allowlist; the extension must agree
    names.py     safe names (never a path), `attachments/<name>` references, the Markdown to insert
    images.py    pictures: pixel bombs refused, EXIF orientation applied, resized, all metadata dropped, thumbnails
    storage.py   the files folder (WIKI_FILES_PATH): each content once, by SHA-256
    uploads.py   adding a file to a page
    approval.py  an untrusted volunteer's file becomes public when a revision using it is published
    listing.py   the file a reader may fetch, a page's list, the files an export carries
    links.py     `attachments/<name>` in a page's HTML pointed at the page's files, with srcset
    purge.py     `flask files purge`: files no revision refers to, after a grace period

Nothing is imported here, so app.wiki.moderation can import approval.py without a cycle.
"""
