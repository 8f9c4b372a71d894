print("magnus")
