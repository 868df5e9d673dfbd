-- dialect: tsql
-- STUFF((SELECT ',' + x … FOR XML PATH(''), TYPE).value('.', 'NVARCHAR(MAX)'), 1, 1, ''): T-SQL's string
-- aggregation before STRING_AGG, a method called on a subquery; its columns keep their lineage.
SELECT h.FundId AS UniqueId,
       STUFF((SELECT '|' + e2.ManagerName FROM dbo.history e2 WHERE e2.FundId = h.FundId
              FOR XML PATH(''), TYPE).value('.', 'NVARCHAR(MAX)'), 1, 1, '') AS Managers
INTO dbo.fund_managers
FROM dbo.history h
GROUP BY h.FundId;
-- expect:
-- dbo.history.fundid -> dbo.fund_managers.uniqueid direct identity
-- dbo.history.managername -> dbo.fund_managers.managers direct transformation
-- dbo.history.fundid -> dbo.fund_managers.managers indirect conditional
-- dbo.history.fundid -> dbo.fund_managers.* indirect group_by
