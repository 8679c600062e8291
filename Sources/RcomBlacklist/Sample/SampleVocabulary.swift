/// Word lists for the sample data. Domains are weighted roughly like a consumer mailing list.
enum SampleVocabulary {
    static let firstNames = [
        "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william",
        "elizabeth", "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah",
        "carlos", "maria", "luis", "ana", "jorge", "sofia", "wei", "li", "yuki", "hana", "omar",
        "fatima", "ivan", "olga", "lars", "ingrid", "pierre", "camille", "giulia", "marco", "priya",
        "arjun", "kwame", "amara", "noah", "emma", "liam", "olivia", "mateo", "lucia", "chen", "aiko",
    ]
    static let lastNames = [
        "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
        "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore",
        "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez",
        "lewis", "robinson", "walker", "young", "allen", "king", "wright", "scott", "nguyen", "hill",
        "flores", "green", "adams", "nelson", "baker", "hall", "rivera", "campbell", "mitchell", "carter",
        "okafor", "tanaka",
    ]
    /// (domain, weight); weights sum to 100.
    static let domains: [(String, Int)] = [
        ("gmail.com", 30), ("yahoo.com", 11), ("outlook.com", 9), ("hotmail.com", 8), ("icloud.com", 6),
        ("aol.com", 3), ("protonmail.com", 2), ("gmx.de", 2), ("web.de", 2), ("comcast.net", 2),
        ("orange.fr", 2), ("yandex.ru", 2), ("fastmail.com", 1), ("zoho.com", 1), ("mail.com", 1),
        ("acme-logistics.com", 3), ("globex.io", 3), ("initech.co", 3), ("hooli.com", 3),
        ("umbrella-corp.net", 2), ("wayne-enterprises.org", 2), ("cyberdyne.ai", 2),
    ]
    static let hardReasons = [
        "550 5.1.1 The email account that you tried to reach does not exist",
        "550 5.1.1 User unknown",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
        "553 5.1.3 Invalid recipient address",
        "550 5.7.1 Mailbox disabled, not accepting messages",
    ]
    static let softReasons = [
        "452 4.2.2 Mailbox full",
        "421 4.7.0 Try again later, closing connection",
        "450 4.2.1 The user you are trying to contact is receiving mail too quickly",
    ]
    static let malformed = [
        "no-at-sign.example.com", "two@@example.com", "@example.com", "someone@", "someone@localhost",
        "some one@example.com", "someone@exa mple.com", "n/a", "someone@example..com", "<someone@example.com>",
    ]
}
