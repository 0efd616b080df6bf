"""StoreOKR: live OKRs for online stores."""
