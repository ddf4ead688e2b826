"""The shopper app's Kivy screens (imported only when the app runs: Kivy is heavy)."""
