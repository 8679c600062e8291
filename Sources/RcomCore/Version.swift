public enum RcomCoreVersion { public static let trace = 1 }
