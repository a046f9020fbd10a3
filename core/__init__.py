"""Framework-free pieces shared by every domain package: the database base, accounts, errors."""
