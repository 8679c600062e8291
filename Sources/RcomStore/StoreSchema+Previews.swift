/// `rcom track`'s link previews: appended after the suppressions table (version 4).
extension StoreSchema {
    public static let previewMigrations: [Migration] = [
        Migration(version: 5, name: "link previews", sql: """
            -- Requests for a tracking link that are not engagement: a link-preview fetcher
            -- (Slackbot, WhatsApp, Discordbot, ...) or a HEAD. Kept apart from clicks so a
            -- preview never counts as engagement, and counted per channel by rcom stats.
            -- At most 100 rows per notification (a fetcher that keeps fetching is not recorded
            -- past that).
            CREATE TABLE link_previews (
                id              INTEGER PRIMARY KEY,
                notification_id TEXT    NOT NULL REFERENCES notifications (id),
                fetcher         TEXT    NOT NULL,              -- 'slackbot', 'whatsapp', ..., or 'HEAD'
                at_ms           INTEGER NOT NULL
            );
            CREATE INDEX link_previews_notification ON link_previews (notification_id);
            """),
    ]
}
