-- dialect: tsql
-- A T-SQL table-valued function returns a table of its own columns, not one column named after
-- its alias: an unqualified column it could hold as well as the joined table is not guessed.
-- warns: ambiguous column 'tradingsymbol'
SELECT si.SecId, TradingSymbol
FROM dbo.ParseIdList(@ids) AS ids
LEFT JOIN dbo.securities AS si ON si.SecId = ids.SecId;
-- expect:
-- dbo.securities.secid -> <query>.secid direct identity
-- dbo.securities.secid -> <query>.* indirect join
