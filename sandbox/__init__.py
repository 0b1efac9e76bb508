"""The sandbox behind ``supportbot demo``: local stand-ins for everything outside the bot.

Not part of the product: the wheel holds ``intake``, ``bot`` and ``redaction`` only, and no product
module imports this package. The tests reuse its stand-ins (``tests/peers``).
"""
