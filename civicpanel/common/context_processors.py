def civicpanel(request):
    return {"council": getattr(request, "council", None)}
