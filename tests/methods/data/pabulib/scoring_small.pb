META
key;value
description;Hand-made scoring round
unit;Testtown
instance;2024
budget;20
vote_type;scoring
PROJECTS
project_id;cost;name
p;10;One
q;10;Two
r;15;Three
VOTES
voter_id;vote;points
1;p,q,r;1,2,3
2;p,r;3,1
