/// Bounds of `rcom max`, and what happens at each.
public enum WindowLimits {
    /// Largest k accepted (a larger -k is refused with exit 2): the ring buffer holds k values
    /// of 16 bytes, so this caps it at 160 MB, and keeps every window sum far inside 128 bits.
    public static let windowCountMax = 10_000_000
    /// Windows up to this size have their values printed; larger ones print positions only,
    /// because copying the window on every new maximum would cost O(n·k).
    public static let valuesShownMax = 20
    /// Means are printed with this many more decimal places than the input used.
    public static let meanExtraDigits = 2
}
