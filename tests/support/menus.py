"""Le Vieux Moulin's winter menu, as its editors would write it."""

from __future__ import annotations

import copy
from typing import Any

PHOTO = {
    "url": "https://cdn.levieuxmoulin.example/menus/hiver-2026.jpg",
    "mime_type": "image/jpeg",
    "bytes": 412_000,
    "width": 1080,
    "height": 1350,
}
WINTER_MENU: dict[str, Any] = {
    "name": "Carte d'hiver",
    "type": "seasonal",
    "description": "Les produits du marché de Provins, cuisinés au feu de bois.",
    "valid_from": "2026-12-01",
    "valid_until": "2027-03-20",
    "currency": "EUR",
    "language": "fr",
    "image": PHOTO,
    "hashtags": ["LeVieuxMoulin", "#cuisinedesaison"],
    "website_url": "https://levieuxmoulin.example/carte",
    "categories": [
        {
            "name": "Entrées",
            "items": [
                {
                    "name": "Soupe à l'oignon gratinée",
                    "description": "Bouillon de bœuf, croûton, comté affiné 18 mois",
                    "price": "9.50",
                    "allergens": ["gluten", "milk", "celery"],
                },
                {
                    "name": "Terrine de campagne maison",
                    "description": "Cornichons, pain de seigle grillé",
                    "price": "11.00",
                    "allergens": ["gluten", "mustard", "sulphites"],
                },
            ],
        },
        {
            "name": "Plats",
            "items": [
                {
                    "name": "Bœuf bourguignon",
                    "description": "Mijoté sept heures, pommes de terre fondantes",
                    "price": "24.00",
                    "allergens": ["celery", "sulphites"],
                    "image": {
                        "url": "https://cdn.levieuxmoulin.example/plats/bourguignon.jpg",
                        "mime_type": "image/jpeg",
                        "bytes": 380_000,
                        "width": 1200,
                        "height": 1200,
                    },
                },
                {
                    "name": "Filet de truite, beurre blanc",
                    "price": "22.50",
                    "allergens": ["fish", "milk"],
                },
            ],
        },
        {
            "name": "Desserts",
            "items": [
                {
                    "name": "Tarte Tatin, crème crue",
                    "price": "8.50",
                    "allergens": ["gluten", "eggs", "milk"],
                },
                {
                    "name": "Moelleux chocolat, cœur praliné",
                    "price": "9.00",
                    "allergens": ["gluten", "eggs", "milk", "nuts", "soybeans"],
                },
            ],
        },
    ],
}


def winter_menu(**changes: Any) -> dict[str, Any]:
    """A fresh copy of the winter menu with `changes` on top."""
    return copy.deepcopy(WINTER_MENU) | changes
