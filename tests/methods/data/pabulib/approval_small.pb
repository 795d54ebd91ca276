META
key;value
description;Hand-made approval round
country;Nowhere
unit;Testtown
instance;2024
num_projects;4
num_votes;5
budget;100
vote_type;approval
rule;greedy
max_length;3
currency;EUR
PROJECTS
project_id;cost;votes;name;selected
1;60;4;Playground;1
2;50;3;Bike lane;0
3;40;2;Benches;1
4;10;0;Mural;0
VOTES
voter_id;vote
a;1,2
b;1,2,3
c;1,3
d;1,2
e;
