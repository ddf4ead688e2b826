"""Android entry point (python-for-android runs ``main.py``): the shopper app with the phone's camera.

Staged next to the ``scanner_app`` and ``backend.domain`` packages by ``stage.py``; see ``scanner_app/buildozer.spec``.
"""

from __future__ import annotations

import os

os.environ.setdefault("KIVY_NO_ARGS", "1")


def main() -> None:
    from kivy.app import App

    from scanner_app.api_client import ApiClient
    from scanner_app.frames import CaptureSource
    from scanner_app.offline_queue import OfflineQueue
    from scanner_app.session import ShopperSession
    from scanner_app.ui.app import ScannerApp

    try:  # the camera permission must be granted before OpenCV opens the camera
        from android.permissions import Permission, request_permissions

        request_permissions([Permission.CAMERA, Permission.INTERNET, Permission.VIBRATE])
    except ImportError:
        pass
    backend = os.environ.get("BASKETCHECK_BACKEND", "https://basketcheck.example/")
    # App.user_data_dir is the app's private storage on Android; the queue must survive restarts.
    data_dir = App.get_running_app().user_data_dir if App.get_running_app() else os.getcwd()
    queue = OfflineQueue(os.path.join(data_dir, "queue.sqlite3"))
    ScannerApp(ShopperSession(ApiClient(backend), queue), CaptureSource(0)).run()


if __name__ == "__main__":
    main()
