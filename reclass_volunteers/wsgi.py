from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from reclass_volunteers.startup import or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclass_volunteers.settings")

application = or_exit(get_wsgi_application)
