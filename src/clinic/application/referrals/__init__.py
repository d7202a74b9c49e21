"""The partner programme: promo codes, the referrer's share of payments, the ledger."""
