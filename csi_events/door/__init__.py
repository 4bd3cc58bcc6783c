"""At the door and after it: sign-in sheets, paper check-in, name badges, the kiosk, no-shows and group messages
(docs/door.md)."""
