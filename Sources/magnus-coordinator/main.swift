print("magnus-coordinator")
