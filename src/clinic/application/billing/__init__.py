"""Paying for extra chairs and seats: the licence, the payment provider, payments recorded once."""
