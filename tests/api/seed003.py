"""Every example request body of seed 003, transcribed as the vendor wrote it.

The only changes: ids of things the bodies reference (brand, coupon series,
categories, labels, segments, partitions, loyalty and partner programs) are
the ids Laurels gave the objects a test created, via ``World``. Codes and
names that are the reference themselves (card series codes, custom field
names, country ids) are kept verbatim. Lines the vendor commented out are left
out, as a JSON parser would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LONG_TNC_URL = (
    "https://s3.amazonaws.com/crm-nightly-new-solutions/IRISV2BRAND/EXDR12987R?X-Amz-Security-Token=FwoGZXIvYXdzEAga"
    "DImRT4Rv3I22aidrESLdAQJokVqNlcxpwvh%2FuileYhmM7vAPvlqLv4pA3icQ0z4opwko8bn2w1y2412RtCR1AXAhlB82T%2FT%2Fr4lMjSRbBy"
    "1i4lsWgIVWWQ00NMLW2TDumQcnFwQq1p%2BQFAofb1GS%2BcE4zoWTMieFVV3%2F15l2stJ7ZmwnyDYkDyqGzCk0AWoeQQw%2F%2BHu6DbeIcBJr"
    "EakvjZvLjqzeIACunRAYgrXAMlI5HfPenJl8CmEfvhgluUkUNQ25vrL6KhXEQKG4rdVjWG%2BxnkMgcZqBLth64qvfYES1wVyYz1OvneIhOdKbK"
    "O3tpZoGMi0%2F3wHyU2g0g7XXMM1cLRtUIn6x6%2BEzEdHMArLUdsCYy%2BnDOfaViZiRnhOtV6U%3D&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
    "X-Amz-Date=20221014T145408Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Credential=ASIAXCQYYRKNMI6TM5YP%2F"
    "20221014%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=c17682bb64da475b6163148797a0c21dbb75fde352c2947fd94504d7"
    "f88535fe"
)


@dataclass
class World:
    """Ids of the reference data a test created, standing in for the vendor's ids."""

    brand: int
    series: dict[str, str]  # the vendor's coupon series id -> a code pool's seriesId
    categories: dict[int, int]
    labels: dict[int, int]
    segment: int
    partition: int
    programs: dict[int, int]
    partner_program: int


def _restrictions_quantity() -> dict[str, Any]:
    return {
        "customerLevel": [
            {"kpi": "QUANTITY", "limit": 10, "repeatFrequencyType": "DAYS", "interval": "30"},
            {"kpi": "QUANTITY", "limit": 50, "repeatFrequencyType": "MONTHS", "interval": "12"},
        ],
        "rewardLevel": [{"kpi": "QUANTITY", "limit": 10000, "repeatFrequencyType": "NO_LIMIT"}],
    }


def _lsi_testreward(name: str = "testreward1") -> list[dict[str, Any]]:
    return [
        {
            "languageCode": "en",
            "name": name,
            "description": name,
            "imageId": "bef4d522-2cf8-4fea-8087-376c449d5c85",
            "termNConditions": "t&c",
            "thumbnailId": "c886f064-2b3f-4c19-9e86-7f7e5ab5ae04",
            "termNConditionsId": "820a3d7f-2601-405b-9f56-4a3ba8e9df73",
            "enabled": True,
        }
    ]


def _lsi_intouch(name: str = " INTOUCH Enabled") -> list[dict[str, Any]]:
    return [
        {
            "languageCode": "en",
            "name": name,
            "description": "Description",
            "termNConditionsId": "EXDR12987R",
            "imageId": "EXDR12987U",
            "thumbnailId": "EXDR12987T",
            "enabled": True,
        }
    ]


def create_examples(w: World) -> dict[str, dict[str, Any]]:
    """The bodies that create a reward (they carry no reward id)."""
    return {
        "response-body-example": {
            "startTime": "2025-09-26T20:00:00Z",
            "endTime": "2026-10-31T11:59:30Z",
            "priority": 1,
            "type": "VOUCHER",
            "brandId": str(w.brand),
            "enabled": True,
            "intouchPoints": 500,
            "geography": [{"countryId": 1}],
            "categories": [w.categories[4]],
            "rewardRank": "1",
            "intouchSeriesId": w.series["301233"],
            "redemptionType": "INTOUCH_REWARD",
            "vendorRedemption": None,
            "communications": ["1"],
            "restrictions": _restrictions_quantity(),
            "supplementaryCriteriaRO": [
                {"loyaltyProgramId": w.programs[469], "tierIds": None, "partnerProgramIds": [w.partner_program]},
                {"loyaltyProgramId": w.programs[690], "tierIds": None, "partnerProgramIds": None},
            ],
            "customFields": {"CF1": "Custom field 1"},
            "languageSpecificInfo": _lsi_testreward(),
            "isactive": True,
        },
        "cart-promotion-with-media": {
            "name": "ABCD",
            "description": "Reward",
            "startTime": "2025-02-06T07:43:30.00Z",
            "endTime": "2026-11-29T05:39:49.00Z",
            "type": "POINTS",
            "brandId": w.brand,
            "priority": 1,
            "enabled": True,
            "intouchPoints": 1,
            "intouchSeriesId": "6538e3ac60ce5c504144bb07",
            "tier": "SILVER",
            "geography": [{"countryId": 7}],
            "languageSpecificInfo": [
                {
                    **_lsi_intouch()[0],
                    "images": [
                        {"name": "imagename1", "id": "9b648b66-5700-4c6d-84ea-01ddf73927c6"},
                        {"name": "imagename2", "id": "9b648b66-5700-4c6d-84ea-01ddf73927c6"},
                        {"name": "imagename2", "id": "9b648b66-5700-4c6d-84ea-01ddf73927c6"},
                    ],
                    "videos": [
                        {"name": "videoname1", "id": "9b648b66-5700-4c6d-84ea-01ddf73927c6", "isExternal": False},
                        {"name": "videoname1", "isExternal": True},
                    ],
                }
            ],
            "categories": [w.categories[5]],
            "redemptionType": "CART_PROMOTION",
            "communications": [4],
            "owners": [{"ownerType": "LOYALTY_PROGRAM", "ownerId": "123"}],
        },
        "two-languages-custom-fields": {
            "startTime": "2024-03-07T08:53:49.00Z",
            "endTime": "2024-03-14T05:39:49.00Z",
            "type": "POINTS",
            "brandId": str(w.brand),
            "priority": 1,
            "enabled": True,
            "intouchPoints": 3,
            "intouchSeriesId": w.series["73684275"],
            "tier": "GOLD",
            "geography": [{"countryId": "14"}],
            "languageSpecificInfo": [
                {
                    "name": " INTOUCH Enabledsd",
                    "description": "Description",
                    "termNConditions": LONG_TNC_URL,
                    "thumbnailId": "EXDR12987T",
                    "imageId": "EXDR12987U",
                    "enabled": True,
                    "termNConditionsId": "EXDR12987R",
                    "languageCode": "en",
                    "customFields": {"mandatory - CF1": "englishvalue1"},
                },
                {
                    "name": " INTOUCH Enabledsd",
                    "description": "Description",
                    "termNConditions": LONG_TNC_URL,
                    "thumbnailId": "EXDR12987T",
                    "imageId": "EXDR12987U",
                    "enabled": True,
                    "termNConditionsId": "EXDR12987R",
                    "languageCode": "fr",
                    "customFields": {"non_mandatory-CF4": "frenchvalue4"},
                },
            ],
            "categories": [str(w.categories[11])],
            "redemptionType": "INTOUCH_REWARD",
            "communications": ["11"],
            "vendorRedemption": None,
            "group": None,
            "label": None,
        },
        "revenue-meta": {
            "startTime": "2024-10-07T17:04:30.00Z",
            "endTime": "2027-10-31T05:39:49.00Z",
            "rewardRevenueMeta": [
                {
                    "commissionParticipant": "BRAND",
                    "commissionRate": "1.5",
                    "cycleStartDate": "2024-11-07T17:04:30.000Z",
                    "cycleEndDate": "2025-10-06T07:43:30.000Z",
                },
                {
                    "commissionParticipant": "AFFILIATE",
                    "commissionRate": "1.2",
                    "cycleStartDate": "2024-11-07T17:04:30.000Z",
                    "cycleEndDate": "2026-10-06T07:43:30.000Z",
                },
            ],
            "rewardRevenueDefaults": [
                {"commissionParticipant": "AFFILIATE", "defaultValue": "1.1"},
                {"commissionParticipant": "END_CUSTOMER", "defaultValue": "1.3"},
            ],
            "type": "VOUCHER",
            "brandId": w.brand,
            "priority": 1,
            "enabled": True,
            "intouchPoints": 1,
            "intouchSeriesId": w.series["1135336"],
            "tier": "SILVER",
            "geography": [{"countryId": 7}],
            "languageSpecificInfo": _lsi_intouch(),
            "categories": [w.categories[5]],
            "redemptionType": "INTOUCH_REWARD",
            "communications": [4],
            "owners": [{"ownerType": "LOYALTY_PROGRAM", "ownerId": "123"}],
        },
        "testreward1poitu": {
            "name": "testreward1poitu",
            "description": "testreward11",
            "startTime": "2025-09-26T20:00:00Z",
            "endTime": "2026-10-31T11:59:30Z",
            "priority": 1,
            "type": "VOUCHER",
            "brandId": str(w.brand),
            "enabled": True,
            "intouchPoints": 500,
            "geography": [{"countryId": 1}],
            "paymentConfigs": [{"paymentMode": "POINTS", "points": 100}],
            "categories": [w.categories[4]],
            "rewardRank": "1",
            "intouchSeriesId": w.series["301233"],
            "redemptionType": "INTOUCH_REWARD",
            "vendorRedemption": None,
            "communications": ["1"],
            "restrictions": _restrictions_quantity(),
            "supplementaryCriteriaRO": [
                {"loyaltyProgramId": w.programs[469], "tierIds": None, "partnerProgramIds": [w.partner_program]},
                {"loyaltyProgramId": w.programs[690], "tierIds": None, "partnerProgramIds": None},
            ],
            "customFields": {"CF1": "Custom field 1"},
            "languageSpecificInfo": _lsi_testreward(),
            "isactive": True,
        },
        "segment": {
            "startTime": "2027-10-03T07:47:33Z",
            "endTime": "2030-07-10T09:48:34Z",
            "type": "FREE_VOUCHER",
            "brandId": w.brand,
            "priority": 1,
            "enabled": True,
            "intouchPoints": 0,
            "intouchSeriesId": w.series["1137472"],
            "tier": "SILVER",
            "geography": [{"countryId": 7}],
            "languageSpecificInfo": _lsi_intouch(" English"),
            "categories": [w.categories[5]],
            "redemptionType": "INTOUCH_REWARD",
            "communications": [4],
            "segment": [{"segmentId": str(w.segment), "partitionId": [str(w.partition)]}],
        },
        "testcreate1-miles": {
            "name": "testcreate1",
            "description": "testcreate1",
            "startTime": "2025-01-27T08:07:05Z",
            "endTime": "2026-10-31T11:59:30Z",
            "priority": 1,
            "type": "VOUCHER",
            "redemptionType": "MILES",
            "brandId": str(w.brand),
            "enabled": True,
            "paymentConfigs": [{"paymentMode": "CONV_RATIO", "conversionRatio": 0.33}],
            "restrictions": {
                "customerLevel": [
                    {"kpi": "QUANTITY", "limit": 1000, "repeatFrequencyType": "DAYS", "interval": "30"},
                    {"kpi": "QUANTITY", "limit": 1000, "repeatFrequencyType": "MONTHS", "interval": "12"},
                ],
                "rewardLevel": [{"kpi": "QUANTITY", "limit": 10000, "repeatFrequencyType": "NO_LIMIT"}],
            },
            "languageSpecificInfo": _lsi_testreward("testcreate1"),
            "isactive": True,
        },
        "testcreate2-miles-value": {
            "name": "testcreate2",
            "description": "testcreate2",
            "startTime": "2025-01-27T08:22:20Z",
            "endTime": "2026-10-31T11:59:30Z",
            "priority": 1,
            "type": "VOUCHER",
            "redemptionType": "MILES",
            "brandId": str(w.brand),
            "enabled": True,
            "paymentConfigs": [{"paymentMode": "CONV_RATIO", "conversionRatio": 0.33}],
            "restrictions": {
                "customerLevel": [
                    {"kpi": "REDEMPTION_VALUE", "limit": 1000, "repeatFrequencyType": "DAYS", "interval": "30"},
                    {"kpi": "REDEMPTION_VALUE", "limit": 1000, "repeatFrequencyType": "MONTHS", "interval": "12"},
                ],
                "rewardLevel": [{"kpi": "REDEMPTION_VALUE", "limit": 10000, "repeatFrequencyType": "NO_LIMIT"}],
            },
            "languageSpecificInfo": _lsi_testreward("testcreate1"),
            "isactive": True,
        },
        "physical-with-media": {
            "startTime": "2025-02-12T05:59:00.000Z",
            "endTime": "2025-12-30T12:50:20.000Z",
            "type": "FREE_VOUCHER",
            "brandId": w.brand,
            "priority": 1,
            "enabled": True,
            "intouchPoints": 0,
            "tier": "PLATINUM",
            "languageSpecificInfo": [
                {
                    **_lsi_intouch()[0],
                    "images": [
                        {"name": "imageName", "isExternal": True, "url": "mypic.com", "altText": "product picture"}
                    ],
                    "videos": [
                        {"name": "videoName", "isExternal": True, "url": "mypic.com", "altText": "product picture"}
                    ],
                }
            ],
            "redemptionType": "PHYSICAL_REWARD",
        },
    }


def _physical_256354(w: World) -> dict[str, Any]:
    """The two examples with id 256354 are one body with a different audience."""
    return {
        "id": 256354,
        "name": "RewardName",
        "description": "TestReward",
        "startTime": "2025-11-28T13:56:00.00Z",
        "endTime": "2026-11-28T14:10:00.00Z",
        "type": "FREE_VOUCHER",
        "brandId": w.brand,
        "priority": 1,
        "enabled": True,
        "intouchPoints": 0,
        "tier": "PLATINUM",
        "languageSpecificInfo": _lsi_intouch(),
        "redemptionType": "PHYSICAL_REWARD",
    }


def update_examples(w: World) -> dict[str, dict[str, Any]]:
    """The bodies sent to PUT .../reward/{id}/brand/{brandId} (the curl example, and those carrying an id)."""
    return {
        "curl-uat-reward": {
            "endTime": "2025-09-30T11:59:30Z",
            "type": "VOUCHER",
            "brandId": str(w.brand),
            "redemptionType": "INTOUCH_REWARD",
            "priority": 1,
            "enabled": True,
            "intouchSeriesId": w.series["849480"],
            "categories": [w.categories[486]],
            "languageSpecificInfo": [
                {
                    "languageCode": "en",
                    "name": "UAT Reward 10",
                    "description": "Test Reward for UAT Team",
                    "enabled": True,
                    "richContentRO": {"UAT_RCT_1": {"content": "Rich Content Text for UAT", "isEnabled": True}},
                }
            ],
            "paymentConfigs": [{"paymentMode": "POINTS", "points": 100}],
            "isactive": True,
        },
        "groups-201374": {
            "id": 201374,
            "name": "testname",
            "description": "testname1",
            "startTime": "2024-07-17T11:00:00.00Z",
            "endTime": "2025-07-11T14:43:00.00Z",
            "priority": 1,
            "groups": [{"groupName": "groupName012", "groupRank": 8}, {"groupName": "groupName013"}],
            "type": "VOUCHER",
            "brandId": str(w.brand),
            "enabled": True,
            "intouchPoints": 500,
            "geography": [{"countryId": 1}],
            "paymentConfigs": [{"paymentMode": "POINTS", "points": 100}],
            "categories": [w.categories[4]],
            "rewardRank": "1",
            "intouchSeriesId": w.series["350219"],
            "redemptionType": "INTOUCH_REWARD",
            "vendorRedemption": None,
            "communications": ["1"],
            "restrictions": _restrictions_quantity(),
            "customFields": {"CF1": "Custom field 1"},
            "languageSpecificInfo": _lsi_testreward(),
            "isactive": True,
        },
        "miles-272383": {
            "id": 272383,
            "name": "REWARD",
            "description": "REWARD1234",
            "startTime": "2024-11-26T08:29:00.00Z",
            "endTime": "2025-07-11T14:43:00.00Z",
            "priority": 1,
            "type": "VOUCHER",
            "brandId": str(w.brand),
            "enabled": True,
            "intouchPoints": 500,
            "geography": [{"countryId": 1}],
            "paymentConfigs": [{"paymentMode": "CONV_RATIO", "conversionRatio": 0.33}],
            "categories": [w.categories[4]],
            "rewardRank": "1",
            "redemptionType": "MILES",
            "vendorRedemption": None,
            "communications": ["1"],
            "restrictions": {
                "customerLevel": [
                    {"kpi": "REDEMPTION_VALUE", "limit": 1000, "repeatFrequencyType": "MONTHS", "interval": "30"},
                    {"kpi": "QUANTITY", "limit": 50, "repeatFrequencyType": "DAYS", "interval": "12"},
                ],
                "rewardLevel": [{"kpi": "REDEMPTION_VALUE", "limit": 10000, "repeatFrequencyType": "NO_LIMIT"}],
            },
            "customFields": {"CF1": "Custom field 1"},
            "languageSpecificInfo": _lsi_testreward(),
            "isactive": True,
        },
        "card-series-256354": {
            **_physical_256354(w),
            "cardSeries": ["26NOV2024TRYLEN17", "26NOV2024TRYLEN18"],
        },
        "labels-256354": {**_physical_256354(w), "labels": [w.labels[12751], w.labels[5462]]},
    }
