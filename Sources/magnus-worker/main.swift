print("magnus-worker")
