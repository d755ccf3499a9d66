print("sigmaris")
