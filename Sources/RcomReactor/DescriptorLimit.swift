import Glibc

/// The process's file-descriptor limit: a server holding thousands of sockets needs the soft limit
/// raised to the hard one (the reactor does it when made; the proxy sizes its budget from it).
public enum DescriptorLimit {
    /// Raises the soft RLIMIT_NOFILE to the hard limit and returns the soft limit in force.
    @discardableResult
    public static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        // RLIM_INFINITY is all ones; the bound keeps the budget arithmetic in range either way.
        return Int(min(limit.rlim_cur, 1 << 20))
    }
}
