/** Upper bound of --nat-lifetime, apart from the probe so the CLI can state it without loading it. */
export const MAX_LIFETIME_SECONDS = 600;
