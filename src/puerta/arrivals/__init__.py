"""What an officer sees of their port: the arrivals booked there, and lookup by code.

Above confirmation (it reads the appointments it books) and beside the
journey; ``ports`` itself stays at the bottom, since the draw and confirmation
hold and book its seats.
"""
