-- dialect: postgres
-- UPDATE … SET (a, b) = (SELECT x, y …) / (e1, e2): each value into its column, in order.
UPDATE dw.t SET (a, b) = (SELECT s.x, s.y + 1 FROM raw.s AS s WHERE s.id = t.id), (c, d) = (t.e, 2), f = 3;
-- expect:
-- raw.s.x -> dw.t.a direct identity
-- raw.s.y -> dw.t.b direct transformation
-- dw.t.e -> dw.t.c direct identity
-- dw.t.id -> dw.t.* indirect filter
-- raw.s.id -> dw.t.* indirect filter
