/// Records of a provider's export that do not suppress, counted by why, so that the report can
/// say what was left out: a soft bounce is expected noise, a stream of SNS messages that are
/// not SES notifications at all is a misconfigured subscription the user should hear about.
/// Not in the checkpoint: a resumed run counts them again while it re-reads the file up to its
/// resume point, so its totals equal a clean run's.
public struct SkippedRecords: Sendable, Codable, Equatable {
    /// Soft, transient or undetermined bounces; Postmark's types other than hard bounces and
    /// complaints.
    public var notPermanent = 0
    /// Records that are no bounce or complaint: SES Delivery (and other event) notifications, SNS
    /// messages that are not notifications (SubscriptionConfirmation) or whose `Message` is not an
    /// SES notification.
    public var notBounce = 0

    public init() {}

    public var total: Int { notPermanent + notBounce }

    static func += (a: inout SkippedRecords, b: SkippedRecords) {
        a.notPermanent += b.notPermanent
        a.notBounce += b.notBounce
    }
}
