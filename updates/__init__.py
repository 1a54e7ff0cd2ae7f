"""What incidents and maintenance share: a story told on a page in posted updates.

Both apps build on this package (the update model's fields, the edit of a posted update, the
admin screens and forms) and neither imports the other, so they stay independent siblings. It
sits above components and events, which it uses, and below the two apps; it is not an
installed app, since it owns no table.
"""
