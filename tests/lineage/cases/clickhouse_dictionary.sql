-- dialect: clickhouse
-- dictGet reads an attribute of a dictionary (named bare or as a string), looked up by its key: the
-- dictionary is no column of the query's tables.
CREATE TABLE out ENGINE = Memory AS
SELECT e.event_id, dictGetOrDefault(default.categories, 'name', e.category_id, 'none') AS category,
       dictGet('geo.Cities', 'city', u.city_id) AS city
FROM db1.events AS e JOIN db1.users AS u ON e.user_id = u.id;
-- expect:
-- db1.events.event_id -> out.event_id direct identity
-- db1.events.category_id -> out.category direct transformation
-- default.categories.name -> out.category direct transformation
-- db1.users.city_id -> out.city direct transformation
-- geo.cities.city -> out.city direct transformation
-- db1.events.user_id -> out.* indirect join
-- db1.users.id -> out.* indirect join
