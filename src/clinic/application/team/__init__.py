"""The clinic's people: invitations, roles, removal, ownership."""
