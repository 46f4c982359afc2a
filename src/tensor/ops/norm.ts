// Front-end ops for this group: to be written.
export {};
