"""Patient cards: adding, changing and finding them."""
