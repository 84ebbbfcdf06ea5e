"""The meeting screen's presenters: the case in hand, the actions on it, sign-off and carry-over."""
