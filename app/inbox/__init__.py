"""Each user's inbox: what needs their attention in the families and plans they may see."""
