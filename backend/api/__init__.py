"""The backend's HTTP API, one router per resource."""
