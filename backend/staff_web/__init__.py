"""The staff dashboard: web pages under ``/staff`` that use the staff API (``/v1/staff``)."""
