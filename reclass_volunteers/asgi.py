from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from reclass_volunteers.startup import or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclass_volunteers.settings")

application = or_exit(get_asgi_application)
