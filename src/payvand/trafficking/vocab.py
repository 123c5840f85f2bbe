"""Picklists of the trafficking experience. Codes are HTCDS v2.0 value names (`vic_`,
`per_`, `hte_`) with the extensions DOMAIN.md §1 lists; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecruitmentMethod(models.TextChoices):
    """HTCDS vic_MethodOfRecruitment."""

    PLACE_OF_BUSINESS = "AtAPlaceOfBusiness", _("At a place of business")
    EDUCATIONAL_INSTITUTION = "AtAnEducationalInstitution", _("At a school or university")
    AT_WORK = "AtWork", _("At work")
    ONLINE_SOCIAL_NETWORKS = "ThroughOnlineSocialNetworks", _("Through online social networks")
    ONLINE_ADVERT = "ThroughAnOnlineAdvertisement", _("Through an online advertisement")
    TELEVISION_ADVERT = "ThroughATelevisionAdvert", _("Through a television advertisement")
    NEWSPAPER_ADVERT = "ThroughANewspaperAdvert", _("Through a newspaper advertisement")
    FAMILY = "ThroughFamilyOrFamilyEvents", _("Through family or family events")
    FRIENDS = "ThroughFriendsOrSocialEvents", _("Through friends or social events")
    OTHER = "Other", _("Other")


class OnlinePlatform(models.TextChoices):
    """HTCDS vic_RecruitmentWebsitesAndApps and vic_ExploitationWebsitesAndApps."""

    FACEBOOK = "Facebook", "Facebook"
    INSTAGRAM = "Instagram", "Instagram"
    WHATSAPP = "WhatsApp", "WhatsApp"
    TELEGRAM = "Telegram", "Telegram"
    MESSENGER = "FacebookMessenger", "Facebook Messenger"
    VIBER = "Viber", "Viber"
    SNAPCHAT = "SnapChat", "Snapchat"
    LINE = "Line", "LINE"
    FOUR_SALE = "4Sale", "4Sale"
    WECHAT = "WeChat", "WeChat"
    QQ = "QQ", "QQ"
    QZONE = "QZone", "Qzone"
    TIKTOK = "TikTok", "TikTok"
    TWITTER = "Twitter", "Twitter (X)"
    OTHER = "Other", _("Other")


class ControlMethod(models.TextChoices):
    """HTCDS vic_MethodsOfControl, with RestrictsMovement added (DOMAIN.md §1)."""

    PHYSICAL_THREATS = "PhysicalThreats", _("Threats of physical harm")
    THREATS_LAW_ENFORCEMENT = "ThreatsLawEnforcement", _("Threats of the police or deportation")
    THREATENS_FAMILY = "ThreatensChildrenFamily", _("Threats against her or his children or family")
    DEBT_BONDAGE = "DebtBondage", _("Debt bondage")
    FALSE_PROMISES = "FalsePromises", _("False promises")
    PHYSICAL_ABUSE = "PhysicalAbuse", _("Physical abuse")
    SEXUAL_ABUSE = "SexualAbuse", _("Sexual abuse")
    TAKES_EARNINGS = "TakesEarnings", _("Takes her or his earnings")
    RESTRICTS_FINANCIAL_ACCESS = "RestrictsFinancialAccess", _("Restricts access to money")
    RESTRICTS_MEDICAL_CARE = "RestrictsMedicalCare", _("Restricts medical care")
    WITHHOLDS_NECESSITIES = "WithholdsNecessities", _("Withholds food, water or sleep")
    PSYCHOLOGICAL_ABUSE = "PsychologicalAbuse", _("Psychological abuse")
    PSYCHOACTIVE_SUBSTANCE = "PsychoactiveSubstance", _("Forced use of alcohol or drugs")
    EXCESSIVE_HOURS = "ExcessiveWorkingHours", _("Excessive working hours")
    WITHHOLDS_DOCUMENTS = "WithholdsDocuments", _("Withholds identity or travel documents")
    RESTRICTS_MOVEMENT = "RestrictsMovement", _("Restricts movement (locked in, watched)")
    OTHER = "Other", _("Other")


class ExploitationType(models.TextChoices):
    """HTCDS vic_TypeOfExploitation, with ForcedCriminality added (DOMAIN.md §1)."""

    FORCED_LABOUR = "ForcedLabour", _("Forced labour")
    SEXUAL = "SexualExploitation", _("Sexual exploitation")
    CHILD_LABOUR = "ChildLabour", _("Child labour")
    FORCED_MARRIAGE = "ForcedMarriage", _("Forced marriage")
    SERVITUDE = "Servitude", _("Servitude")
    FORCED_MILITARY = "ForcedMilitaryByNonStateActors", _("Forced recruitment by armed groups")
    ORGAN_REMOVAL = "OrganRemoval", _("Organ removal")
    FORCED_BEGGING = "ForcedBegging", _("Forced begging")
    FORCED_ADOPTION = "ForcedAdoption", _("Forced adoption")
    SURROGACY = "Surrogacy", _("Forced surrogacy")
    FORCED_CRIMINALITY = "ForcedCriminality", _("Forced criminality (for example scam centres)")
    OTHER = "Other", _("Other")


# Exploitation in work: an industry (ISIC) describes it.
LABOUR_EXPLOITATION = frozenset(
    {
        ExploitationType.FORCED_LABOUR,
        ExploitationType.CHILD_LABOUR,
        ExploitationType.SERVITUDE,
        ExploitationType.FORCED_BEGGING,
        ExploitationType.FORCED_CRIMINALITY,
    }
)


class Industry(models.TextChoices):
    """HTCDS vic_ForcedLabourIndustry: the 21 sections of ISIC Rev.4, letter first."""

    A = "A_AgricultureForestryAndFishing", _("A · Agriculture, forestry and fishing")
    B = "B_MiningAndQuarrying", _("B · Mining and quarrying")
    C = "C_Manufacturing", _("C · Manufacturing (for example brick kilns, textiles)")
    D = "D_ElectricityGasSteamAndAirConditioningSupply", _("D · Electricity and gas supply")
    E = "E_WaterSupplySewerageWasteManagement", _("E · Water supply, sewerage and waste")
    F = "F_Construction", _("F · Construction")
    G = "G_WholesaleAndRetailTrade", _("G · Wholesale and retail trade, vehicle repair")
    H = "H_TransportationAndStorage", _("H · Transportation and storage")
    I = "I_AccommodationAndFoodServiceActivities", _("I · Hotels, restaurants and catering")  # noqa: E741
    J = "J_InformationAndCommunication", _("J · Information and communication")
    K = "K_FinancialAndInsuranceActivities", _("K · Financial and insurance activities")
    L = "L_RealEstateActivities", _("L · Real estate")
    M = "M_ProfessionalScientificAndTechnicalActivities", _("M · Professional and technical work")
    N = "N_AdministrativeAndSupportServiceActivities", _("N · Administrative and support services")
    O = "O_PublicAdministrationAndDefence", _("O · Public administration and defence")  # noqa: E741
    P = "P_Education", _("P · Education")
    Q = "Q_HumanHealthAndSocialWorkActivities", _("Q · Health and social work")
    R = "R_ArtsEntertainmentAndRecreation", _("R · Arts, entertainment and recreation")
    S = "S_OtherServiceActivities", _("S · Other services")
    T = "T_ActivitiesOfHouseholdsAsEmployers", _("T · Domestic work in private households")
    U = "U_ActivitiesOfExtraterritorialOrganizations", _("U · Extraterritorial organisations")


class SexExploitationType(models.TextChoices):
    """HTCDS vic_TypeOfSexExploitation."""

    PROSTITUTION = "Prostitution", _("Prostitution")
    PORNOGRAPHY = "Pornography", _("Pornography")
    REMOTE = "RemoteInteractiveServices", _("Remote interactive services (webcam, online)")
    PRIVATE = "PrivateSexualServices", _("Private sexual services")


class MigrationStatus(models.TextChoices):
    """Extension (HTCDS Guidance 7 has no field): the statuses that matter in this region."""

    LABOUR_MIGRANT = "LabourMigrant", _("Labour migrant")
    IRREGULAR = "IrregularMigrant", _("Irregular migrant (no valid status)")
    RETURNEE = "Returnee", _("Returnee")
    DEPORTEE = "Deportee", _("Deported")
    IDP = "InternallyDisplaced", _("Internally displaced")
    ASYLUM_SEEKER = "AsylumSeeker", _("Asylum seeker")
    REFUGEE = "Refugee", _("Refugee")
    STATELESS = "Stateless", _("Stateless")
    UNACCOMPANIED_CHILD = "UnaccompaniedChild", _("Unaccompanied or separated child")
    NOT_A_MIGRANT = "NotAMigrant", _("Never left her or his home area")


class RelationshipToTrafficker(models.TextChoices):
    """HTCDS vic_RelationshipToTrafficker (its code keeps the standard's spelling)."""

    FAMILIAL = "Familial", _("Family")
    ACQUAINTED = "Acquainted", _("Someone she or he knew")
    UNACQUAINTED = "Unaquainted", _("A stranger")


class RecruiterRelation(models.TextChoices):
    """Extension: CTDC's recruiter relation, which the regional statistics need."""

    INTIMATE_PARTNER = "IntimatePartner", _("Intimate partner")
    FRIEND = "Friend", _("Friend or acquaintance")
    FAMILY = "Family", _("Family member or relative")
    OTHER = "Other", _("Other (broker, employer, smuggler…)")
    UNKNOWN = "Unknown", _("Not known")


class PerpetratorRole(models.TextChoices):
    """HTCDS per_RoleInProcess."""

    TRAVELLING_PARTNER = "TravellingPartner", _("Travelled with her or him")
    TRANSPORTER = "Transporter", _("Transporter")
    RECRUITER = "RecruiterOrIntermediary", _("Recruiter or intermediary")
    BROKER = "BrokerTravelAgent", _("Broker or travel agent")
    TRANSFERRED = "TransferredIndividual", _("Transferred her or him")
    HARBOURED = "HarbouredIndividual", _("Harboured her or him")
    SOLD = "SoldIndividual", _("Sold her or him")
    BOUGHT = "BoughtIndividual", _("Bought her or him")
    RECEIVED = "ReceivedIndividual", _("Received her or him")
    CONTROLLED = "ControlledIndividual", _("Controlled her or him")
    SMUGGLER = "Smuggler", _("Smuggler")
    ABUSER = "Abuser", _("Abuser")
    KIDNAPPER = "Kidnapper", _("Kidnapper")
    EXPLOITER = "Exploiter", _("Exploiter")
    OTHER = "Other", _("Other")


class PerpetratorGender(models.TextChoices):
    FEMALE = "Feminine", _("Female")
    MALE = "Masculine", _("Male")
    GROUP = "Group", _("A group of people")
    UNKNOWN = "NonSpecifiedUnknown", _("Not known")


class EventType(models.TextChoices):
    """HTCDS hte_Type."""

    RECRUITMENT = "Recruitment", _("Recruitment")
    TRANSIT = "Transit", _("Transit")
    EXPLOITATION = "Exploitation", _("Exploitation")


class DatePrecision(models.TextChoices):
    """How much of an event's date is known: survivors often remember only a season."""

    DAY = "day", _("Exact day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year only")
