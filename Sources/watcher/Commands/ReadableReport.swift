import ReportEngine

/// The human-readable form of an analysis (what `analyze` prints without `--json`).
enum ReadableReport {
    static func render(_ a: MessageAnalysis) -> String {
        var out: [String] = []
        out.append("== \(a.file ?? "message")")
        out.append("Subject:  \(a.summary.subject ?? "(none)")")
        out.append("From:     \(a.summary.from ?? "(none)")")
        out.append("Date:     \(a.summary.date ?? "(unreadable)")")
        let o = a.origin
        var origin = "Origin:   "
        if let c = o.carrier {
            origin += "carrier \(c)"
        } else if o.spoofed {
            origin += "forged carrier sender"
        } else {
            origin += "not a carrier subscriber"
        }
        origin += ", source IP \(o.sourceIP ?? "unknown")"
        origin += ", spf=\(o.spf ?? "-") dkim=\(o.dkim ?? "-") dmarc=\(o.dmarc ?? "-")"
        out.append(origin)
        for r in o.reasons { out.append("          - \(r)") }
        if a.urls.isEmpty {
            out.append("URLs:     none")
        } else {
            out.append("URLs:")
            for u in a.urls {
                var notes: [String] = [u.part, u.role]
                if u.deceptive { notes.append("deceptive: its anchor shows another site") }
                if u.defanged { notes.append("defanged") }
                if u.obfuscated { notes.append("obfuscated") }
                out.append("  \(u.url)  [\(u.domain ?? u.host); \(notes.joined(separator: ", "))]")
            }
        }
        out.append("Domains:  \(a.domains.isEmpty ? "none" : a.domains.joined(separator: ", "))")
        if let p = a.phishing {
            out.append("Phishing: imitates \(p.brand.name) (\(p.signals.joined(separator: ", "))); lure domains \(p.targets.joined(separator: ", "))")
            for l in p.lures { out.append("  lure \(l)") }
        } else {
            out.append("Phishing: no")
        }
        if !a.contacts.isEmpty {
            out.append("Contacts:")
            for c in a.contacts {
                out.append("  \(c.role): \(c.name) <\(c.email ?? c.form ?? "-")> for \(c.domains.isEmpty ? "the source address" : c.domains.joined(separator: ", "))")
                for e in c.evidence { out.append("      because \(e)") }
            }
        }
        if !a.pending.isEmpty {
            out.append("Pending:")
            for p in a.pending { out.append("  \(p)") }
        }
        if !a.diagnostics.isEmpty {
            out.append("Notes:")
            for d in a.diagnostics { out.append("  \(d)") }
        }
        if a.drafts.isEmpty {
            out.append("Drafts:   none")
        } else {
            out.append("Drafts:")
            for d in a.drafts {
                out.append("  \(d.kind.rawValue) to \(d.to.isEmpty ? (d.form ?? "?") : d.to.joined(separator: ", ")): \(d.subject)")
            }
        }
        return out.joined(separator: "\n")
    }
}
